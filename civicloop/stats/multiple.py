"""Multiple-comparison corrections: Holm (1979) and Benjamini-Hochberg (1995).

Both are statsmodels' ``multipletests`` (methods ``holm`` and ``fdr_bh``); these wrappers keep
the package's plain-array interface and accept an empty family.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from statsmodels.stats.multitest import multipletests


def _adjusted(p_values: ArrayLike, method: str) -> np.ndarray:
    p = np.asarray(p_values, dtype=np.float64).ravel()
    if p.size == 0:
        return p.copy()
    return np.asarray(multipletests(p, method=method, is_sorted=False)[1], dtype=np.float64)


def holm_adjust(p_values: ArrayLike) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error rate).

    Holm, S. (1979) "A simple sequentially rejective multiple test procedure",
    Scandinavian Journal of Statistics 6(2):65-70.
    """
    return _adjusted(p_values, "holm")


def bh_adjust(p_values: ArrayLike) -> np.ndarray:
    """Benjamini-Hochberg step-up adjusted p-values (false discovery rate).

    Benjamini, Y. & Hochberg, Y. (1995) "Controlling the false discovery rate",
    JRSS B 57(1):289-300.
    """
    return _adjusted(p_values, "fdr_bh")
