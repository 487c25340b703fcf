// Hot loops compiled for several instruction sets, the version picked at load time (GCC's
// target_clones). The results are bit-identical whatever the CPU picks: the loops do the same
// IEEE operations in the same order per element, and the build forbids FMA contraction
// (-ffp-contract=off), which the AVX-512 clone could otherwise use (see
// neurons/lif_cond_exp_grid.hpp; tests/test_grid_population.cpp compares against scalar code).
//   IONSPIKE_AVX2_CLONES     AVX2 and the baseline x86-64
//   IONSPIKE_AVX512_CLONES   x86-64-v4 (AVX-512) as well: used where it measured faster (the
//                            lif_exp and Hodgkin-Huxley membrane loops: CUBA grid -4 %, COBAHH
//                            grid -9 %); the lif_cond_exp loop ran 4 % slower with it (COBA
//                            grid, docs/benchmarks.md), so it keeps AVX2.
// Clang 14 does not support target_clones on function templates, so under clang (the fuzzing
// build, tools/fuzz.sh) the loops are compiled once, for the baseline. Nor under
// ThreadSanitizer (tools/tsan.sh): the clones' resolvers run at load time, before its runtime
// is ready, and crash.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define IONSPIKE_AVX2_CLONES [[gnu::target_clones("avx2", "default")]]
#define IONSPIKE_AVX512_CLONES [[gnu::target_clones("arch=x86-64-v4", "avx2", "default")]]
#else
#define IONSPIKE_AVX2_CLONES
#define IONSPIKE_AVX512_CLONES
#endif
