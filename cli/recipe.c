/* A model's hn.data declaration (compiler/dataspec.h) as the runtime's
 * recipe (runtime/data.h's rt_task), and the data set it makes.
 *
 * The recipe points into the DataSpec's arrays: it lives as long as the
 * model's graph. Initial states that a Lua function drew depend on the
 * seed, and the front end drew them with the model's seed: another seed
 * runs the model file again (tracing only, no compilation) to draw them
 * anew (recipe_reseed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "../compiler/hnnc.h"

static void sampler(const DataSampler *d, rt_sampler *s) {
  memset(s, 0, sizeof *s);
  s->kind = d->kind == DS_BOX ? RT_X0_BOX : d->kind == DS_SHELL ? RT_X0_SHELL : d->kind == DS_ENERGY ? RT_X0_ENERGY : RT_X0_LIST;
  s->lo = d->lo, s->hi = d->hi;
  s->r_lo = d->r_lo, s->r_hi = d->r_hi;
  s->energy = d->energy;
  s->list = d->list, s->nlist = d->nlist;
}

void recipe_from_spec(const DataSpec *d, rt_task *t) {
  memset(t, 0, sizeof *t);
  t->name = d->name ? d->name : d->published ? d->published : "data";
  t->published = !d->published                       ? RT_PUBLISHED_NONE
                 : !strcmp(d->published, "spring")   ? RT_PUBLISHED_SPRING
                 : !strcmp(d->published, "pendulum") ? RT_PUBLISHED_PENDULUM
                                                     : RT_PUBLISHED_TWO_BODY;
  t->dim = d->dim;
  t->ntraj = d->ntraj;
  sampler(&d->x0, &t->x0);
  t->t0 = d->t0, t->t1 = d->t1, t->npoints = d->npoints, t->times = d->times;
  t->integrator = d->integrator == DS_DOP853 ? RT_INTEGRATOR_DOP853 : RT_INTEGRATOR_RK45;
  t->rtol = d->rtol, t->atol = d->atol;
  t->npad = d->pad;
  t->noise = d->noise;
  t->split = d->split, t->test_first = d->test_first;
  sampler(&d->eval_x0, &t->eval_x0);
  t->energy_nrollout = d->rollouts;
  t->energy_t0 = d->eval_t0, t->energy_t1 = d->eval_t1, t->energy_npoints = d->eval_points;
  t->energy_rtol = d->eval_rtol, t->energy_atol = d->eval_atol;
}

int recipe_reseed(Setup *s, uint64_t seed, char *err, size_t nerr) {
  DataSpec *d = &s->m.g->data;
  FrontOptions o;
  Graph *g;
  if (!d->present || d->seed == seed || (!d->x0.drawn && !d->eval_x0.drawn)) return 0;
  memset(&o, 0, sizeof o);
  o.data_seed_given = 1, o.data_seed = seed;
  if (!(g = front_load(s->path, &o, err, nerr))) return 1;
  dataspec_free(d);
  *d = g->data;
  memset(&g->data, 0, sizeof g->data);
  ir_free(g);
  recipe_from_spec(d, &s->recipe);
  return 0;
}
