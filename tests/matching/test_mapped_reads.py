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


def test_ids_looked_up_as_numbers_find_exactly_what_their_strings_find():
    """A posting's candidates come as an int64 array of the database's ids (no list of 100,000
    strings per request); they must select the same rows as the strings would, and never a
    key that only looks like the number ("07" is not 7)."""
    from matching.mapped import SortedIndex  # noqa: PLC0415

    def index(keys):
        keys = np.array(keys)
        order = np.argsort(keys)
        return SortedIndex(keys[order], order.astype(np.int64))

    numeric = index([str(i) for i in (5, 17, 3, 1200, 42)])
    asked = np.array([42, 3, 999, 5, 1200, -1], dtype=np.int64)
    assert sorted(numeric.rows_of(asked).tolist()) == sorted(numeric.rows_of(["42", "3", "999", "5", "1200"]).tolist())
    assert sorted(numeric.rows_of(asked).tolist()) == [0, 2, 3, 4]  # where 5, 3, 1200 and 42 were given
    for keys in (["07", "7", "12"], ["S77", "7"]):  # not all plain numbers: looked up as strings
        idx = index(keys)
        assert idx.rows_of(np.array([7], dtype=np.int64)).tolist() == [keys.index("7")]
    assert index(["1", "2"]).rows_of(np.array([], dtype=np.int64)).tolist() == []
