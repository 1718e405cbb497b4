// classical: the course's methods before deep nets, written to be read.
export { KNearestNeighbors, pairwiseDistances, type Distance } from "./knn";
export { Perceptron, Adaline, LinearClassifier, SoftmaxRegression, LogisticRegression, type LinearClassifierOptions } from "./linear_models";
export { randomSearch, numericalGradient, maxRelativeError, type SearchSpace } from "./search";
