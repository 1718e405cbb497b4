{
  "variables": {
    "use_openblas%": 0,
    "march%": "native"
  },
  "targets": [
    {
      "target_name": "gradlab",
      "sources": [
        "src/addon.cc",
        "src/args.cc",
        "src/threadpool.cc",
        "src/elementwise.cc",
        "src/reduce.cc",
        "src/gemm.cc",
        "src/conv.cc",
        "src/pool.cc",
        "src/indexing.cc",
        "src/optim.cc",
        "src/scratch.cc",
        "src/winograd.cc",
        "src/direct_conv.cc",
        "src/interrupt.cc"
      ],
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
      "cflags": ["-O3"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-march=<(march)", "-ffp-contract=off",
                    "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["use_openblas==1", {
          "defines": ["GRADLAB_OPENBLAS"],
          "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread"],
          "libraries": ["-lopenblas"]
        }],
        ["target_arch!='x64'", {
          "cflags_cc!": ["-march=<(march)"]
        }]
      ]
    }
  ]
}
