"""``i2dl.data``: datasets, loaders, splits and the bundled digits."""
from .dataset import Dataset, Subset, TensorDataset, random_split
from .digits import digits, load_digits_arrays
from .loader import DataLoader
