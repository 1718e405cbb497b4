// data: IDX files, Fashion-MNIST, datasets, batching, splits and preprocessing.
export { readIdx, parseIdx } from "./idx";
export { fashionMnist, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, type FashionMnistOptions, type LabelledData } from "./fashion_mnist";
export { TensorDataset, DataLoader, randomSplit, kFold, type DataLoaderOptions } from "./dataset";
export { meanImage, channelMean, standardize, Standardizer, PCA } from "./preprocess";
