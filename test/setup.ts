// Loaded by mocha before the suite (.mocharc.json). The suite's own fit() calls print no
// progress lines, so the CI log stays readable; the tests of progress itself unset
// GRADLAB_VERBOSE for the processes they start.
process.env.GRADLAB_VERBOSE ??= "0";

// GRADLAB_TEST_BACKEND=sealed runs the suite on the sealed backend (core/backend/sealed.ts):
// the native kernels behind memory JavaScript cannot index (test/core/sealed_backend.test.ts).
if (process.env.GRADLAB_TEST_BACKEND === "sealed") {
  /* eslint-disable @typescript-eslint/no-var-requires */
  const backends = require("../core/backend") as typeof import("../core/backend");
  const { makeSealedBackend } = require("../core/backend/sealed") as typeof import("../core/backend/sealed");
  backends.registerBackend(makeSealedBackend(backends.activeBackend()));
  backends.setBackend("sealed");
}
