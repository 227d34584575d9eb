"""Scattered rows of a snapshot's files read with few calls give exactly the rows asked for."""
import numpy as np

from matching.mapped import ReadAt


def test_scattered_pieces_read_together_come_back_exactly(tmp_path):
    arr = np.arange(300_000, dtype=np.int32) * 7 - 5
    np.save(tmp_path / "a.npy", arr)
    r = ReadAt(tmp_path / "a.npy")
    rng = np.random.default_rng(3)
    for n in (1, 5, 300, 3000):
        starts = rng.integers(0, len(arr), n)
        ends = np.minimum(starts + rng.integers(0, 40, n), len(arr))  # some empty, some overlapping
        want = np.concatenate([arr[a:b] for a, b in zip(starts, ends)])
        got = r.read_many(starts.tolist(), ends.tolist())  # unsorted, near and far apart
        assert got.dtype == arr.dtype and np.array_equal(got, want)
    assert len(r.read_many([10, 20], [10, 20])) == 0
    assert np.array_equal(r.read_many([299_990], [300_010]), arr[299_990:])  # clipped at the end
