// Loaded by mocha before the suite (.mocharc.json). The suite's own fit() calls print no
// progress lines, so the CI log stays readable; the tests of progress itself unset
// GRADLAB_VERBOSE for the processes they start.
process.env.GRADLAB_VERBOSE ??= "0";
