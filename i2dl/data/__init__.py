"""``i2dl.data``: datasets, loaders, splits, the bundled digits and the generated shapes (segmentation)."""
from .dataset import Dataset, Subset, TensorDataset, random_split
from .digits import digits, load_digits_arrays
from .loader import DataLoader
from .shapes import mean_iou, shapes
