{
  "variables": {
    "use_openblas%": 0,
    # Compiled once per instruction-set path, each copy in namespace gradlab::<path>
    # (src/isa.h); the addon picks one at load.
    "isa_sources": [
      "src/isa_table.cc",
      "src/elementwise.cc",
      "src/reduce.cc",
      "src/optim.cc",
      "src/winograd.cc",
      "src/direct_conv.cc",
      "src/sparse_conv.cc",
      "src/pool_rows.cc",
      "src/softmax_rows.cc",
      "src/gemm_tile.cc",
      "src/det_gemm_rows.cc",
      "src/peak_flops.cc"
    ]
  },
  "target_defaults": {
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")"
    ],
    "defines": [
      "NAPI_VERSION=8",
      "NAPI_CPP_EXCEPTIONS",
      "GRADLAB_VERSION=\"<!(node -p \"require('../package.json').version\")\""
    ],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
    "cflags": ["-O3", "-fPIC"],
    # No -march=native: the build does not depend on the CPU it is built on. No fused
    # multiply-add behind the source's back (-ffp-contract=off), so that results match the
    # TypeScript backend's rounding; kernels that want FMA use its intrinsics.
    "cflags_cc": ["-O3", "-fPIC", "-std=c++17", "-fexceptions", "-ffp-contract=off",
                  "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-parameter"],
    "conditions": [
      ["use_openblas==1", {
        "defines": ["GRADLAB_OPENBLAS"],
        "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread"]
      }]
    ]
  },
  "targets": [
    {
      "target_name": "gradlab_isa_baseline",
      "type": "static_library",
      "sources": ["<@(isa_sources)"],
      "defines": ["GRADLAB_ISA_NS=baseline"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-march=x86-64-v2"]}]]
    },
    {
      "target_name": "gradlab",
      "sources": [
        "src/addon.cc",
        "src/args.cc",
        "src/isa.cc",
        "src/threadpool.cc",
        "src/gc_yield.cc",
        "src/gemm.cc",
        "src/det_gemm.cc",
        "src/conv.cc",
        "src/pool.cc",
        "src/indexing.cc",
        "src/scratch.cc",
        "src/interrupt.cc",
        "src/storage.cc"
      ],
      "dependencies": ["gradlab_isa_baseline"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["use_openblas==1", {"libraries": ["-lopenblas"]}],
        ["target_arch=='x64'", {
          "cflags_cc": ["-march=x86-64-v2"],
          "dependencies": ["gradlab_isa_avx2", "gradlab_isa_avx512"]
        }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "gradlab_isa_avx2",
          "type": "static_library",
          "sources": ["<@(isa_sources)"],
          "defines": ["GRADLAB_ISA_NS=avx2"],
          "cflags_cc": ["-march=x86-64-v3"]
        },
        {
          "target_name": "gradlab_isa_avx512",
          "type": "static_library",
          "sources": ["<@(isa_sources)"],
          "defines": ["GRADLAB_ISA_NS=avx512"],
          "cflags_cc": ["-march=x86-64-v4", "-mprefer-vector-width=512"]
        }
      ]
    }]
  ]
}
