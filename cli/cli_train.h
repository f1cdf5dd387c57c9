/* The verbs that train and use models: train, evaluate, simulate, data
 * (cli_train.c). main.c lists them in its verb table. */
#ifndef HNNC_CLI_TRAIN_H
#define HNNC_CLI_TRAIN_H

extern const char usage_train[], usage_evaluate[], usage_simulate[], usage_data[];

int cmd_train(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_data(int argc, char **argv);
#endif
