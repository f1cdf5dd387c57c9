#!/bin/sh
# The layering: compiler/ includes nothing of runtime/ or cli/; runtime/
# nothing of compiler/ or cli/; prelude/ nothing of the other three; cli/
# reaches the compiler only through its public header, compiler/hnnc.h.
cd "$(dirname "$0")/.." || exit 1
bad=$( { grep -nE '#include *"[^"]*(runtime|cli)/' compiler/*.[ch];
         grep -nE '#include *"[^"]*(compiler|cli)/' runtime/*.[ch];
         grep -nE '#include *"[^"]*(compiler|runtime|cli)/' prelude/*.[ch];
         grep -nE '#include *"[^"]*compiler/' cli/*.[ch] | grep -v 'compiler/hnnc\.h"'; } 2>/dev/null)
if [ -n "$bad" ]; then echo "$bad"; echo "layers: includes across layers (see README, Internals)"; exit 1; fi
echo "layers: compiler/, runtime/ and prelude/ include nothing above them; cli/ only compiler/hnnc.h"
