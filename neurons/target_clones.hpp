// IONSPIKE_AVX2_CLONES: compile a hot loop twice, for AVX2 and for the baseline x86-64, and pick
// the version at load time (GCC's target_clones; the results are bit-identical because the
// loops use no FMA contraction: see neurons/lif_cond_exp_grid.hpp). Clang 14 does not support
// target_clones on function templates, so under clang (the fuzzing build, tools/fuzz.sh) the
// loops are compiled once, for the baseline. Nor under ThreadSanitizer (tools/tsan.sh): the
// clones' resolvers run at load time, before its runtime is ready, and crash.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define IONSPIKE_AVX2_CLONES [[gnu::target_clones("avx2", "default")]]
#else
#define IONSPIKE_AVX2_CLONES
#endif
