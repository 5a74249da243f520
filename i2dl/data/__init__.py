"""``i2dl.data``: datasets (the bundled digits and scikit-learn sets, MNIST and Fashion-MNIST IDX files,
CIFAR-10 binary batches, the generated shapes), loaders with prefetching, splits and batch augmentation
(``i2dl.data.transforms``)."""
from .dataset import Dataset, Subset, TensorDataset, random_split
from .digits import digits, load_digits_arrays
from .loader import DataLoader
from . import transforms
from .bundled import load_bundled
from .cifar import cifar10
from .idx import read_idx, write_idx
from .mnist import fashion_mnist, mnist
from .shapes import mean_iou, shapes
