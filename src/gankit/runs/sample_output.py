"""``gankit sample``'s output file, written in chunks: any ``-n`` streams to disk in bounded memory.

Rows and tables are generated ``CHUNK_ROWS`` at a time and appended to a hidden temp
file beside the output (.csv, .parquet, .npy), which is renamed into place only when
complete; a failure (full disk, no permission) removes it and is one line. Chunk ``i``
draws from the seed ``(seed, i)``, so the same seed gives the same file; an ``n`` of
one chunk or less gives exactly ``gan.sample(n, seed)``. Images are drawn whole, after
checking they fit in memory.
"""

from __future__ import annotations

import shutil
from pathlib import Path
import numpy as np
import pandas as pd
import torch

from gankit.atomic_write import atomic_write
from gankit.data.dtype_changes import dtype_changes
from gankit.data.frame_io import checked_output
from gankit.data.memory_budget import check_fits, size_text
from gankit.errors import UserError, write_failed
from gankit.gan import GAN
from gankit.status import notice

CHUNK_ROWS = 100_000
NOT_WRITTEN = "nothing was written there; free space (or pick a writable place) and run the command again"


def write_samples(
    gan: GAN, n: int, seed: int | None, output: Path, overwrite: bool = False, where: list[str] | None = None
) -> Path:
    """Generate ``n`` rows (or images) and write them to ``output``; returns ``output``. Without ``overwrite``
    an ``output`` that exists when the file is complete (another command may have written it meanwhile) is
    refused and left untouched. ``where``: a table's conditions (``GAN.sample``)."""
    if n < 1:
        raise UserError(f"-n must be at least 1, got {n}")
    seed = seed if seed is not None else int(torch.seed() % 2**32)
    if where is not None:
        return _write_chunks(gan, n, seed, output, overwrite, where)
    return WRITERS[gan.data_kind.sample_file](gan, n, seed, output, overwrite)


def _write_chunks(gan: GAN, n: int, seed: int, output: Path, overwrite: bool, where: list[str] | None = None) -> Path:
    """Rows (or a table's rows) ``CHUNK_ROWS`` at a time into a temporary file, published whole."""
    suffix = checked_output(output, gan.data_kind.sample_suffixes)

    def write_chunks(temp: Path) -> None:
        writer = {".csv": _CsvWriter, ".parquet": _ParquetWriter, ".npy": _NpyWriter}[suffix](temp, n)
        try:
            for index, start in enumerate(range(0, n, CHUNK_ROWS)):
                count = min(CHUNK_ROWS, n - start)
                writer.write(_chunk(gan, count, chunk_seed(seed, index) if n > CHUNK_ROWS else seed, where))
                if index == 0:
                    _check_disk(temp, output, n, count)
                    _tell_dtype_changes(gan, writer, suffix)
            writer.close()
        finally:
            writer.abandon()

    return atomic_write(output, write_chunks, overwrite=overwrite, after=NOT_WRITTEN)


def chunk_seed(seed: int, index: int) -> int:
    """The seed of chunk ``index`` of a file drawn with ``seed``."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def _chunk(gan: GAN, count: int, seed: int, where: list[str] | None = None) -> pd.DataFrame:
    rows = gan.sample(count, seed=seed, where=where)
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=gan.columns)


def _tell_dtype_changes(gan: GAN, writer: "_CsvWriter | _ParquetWriter | _NpyWriter", suffix: str) -> None:
    """A table's columns that the file will read back in another dtype than they were read in: a notice each."""
    specs = getattr(gan.transformer, "specs", None)
    if specs is None or suffix not in (".csv", ".parquet"):
        return
    for line in dtype_changes(specs, writer.dtypes(), suffix):
        notice(line)


def _check_disk(temp: Path, output: Path, n: int, first: int) -> None:
    """After the first chunk: refuse when the whole file will not fit on its disk."""
    expected = temp.stat().st_size / first * n
    free = shutil.disk_usage(output.parent).free
    if expected > free + temp.stat().st_size:
        raise UserError(f"{output}: {n:,} rows need about {size_text(expected)} on disk but {size_text(free)} is free; "
                        f"{NOT_WRITTEN}")


class _CsvWriter:
    def __init__(self, path: Path, n: int) -> None:
        self.path, self.started, self.first_rows = path, False, 0

    def write(self, chunk: pd.DataFrame) -> None:
        chunk.to_csv(self.path, index=False, mode="a" if self.started else "w", header=not self.started)
        self.first_rows = self.first_rows or len(chunk)
        self.started = True

    def dtypes(self) -> dict[str, str]:
        """The dtypes its first chunk reads back in (a CSV keeps none: they are inferred again)."""
        return {str(name): str(dtype) for name, dtype in pd.read_csv(self.path, nrows=self.first_rows).dtypes.items()}

    def close(self) -> None:
        pass

    def abandon(self) -> None:
        pass


class _ParquetWriter:
    def __init__(self, path: Path, n: int) -> None:
        self.path, self.writer, self.schema = path, None, None

    def write(self, chunk: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(chunk, schema=self.schema, preserve_index=False)
        if self.writer is None:
            self.schema = table.schema
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(table)

    def dtypes(self) -> dict[str, str]:
        """The dtypes the file reads back in (Parquet keeps them, but has no timestamps in seconds)."""
        import io

        import pyarrow.parquet as pq

        buffer = io.BytesIO()  # an empty file of the same schema, written and read back as this one will be
        pq.write_table(self.schema.empty_table(), buffer)
        buffer.seek(0)
        return {str(name): str(dtype) for name, dtype in pq.read_table(buffer).to_pandas().dtypes.items()}

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def abandon(self) -> None:
        try:
            self.close()
        except OSError:
            pass


class _NpyWriter:
    def __init__(self, path: Path, n: int) -> None:
        self.path, self.n, self.array, self.filled = path, n, None, 0

    def write(self, chunk: pd.DataFrame) -> None:
        values = chunk.to_numpy(dtype=np.float32)
        if self.array is None:
            self.array = np.lib.format.open_memmap(self.path, mode="w+", dtype=np.float32, shape=(self.n, values.shape[1]))
        self.array[self.filled : self.filled + len(values)] = values
        self.filled += len(values)

    def close(self) -> None:
        if self.array is not None:
            self.array.flush()
            self.array = None

    def abandon(self) -> None:
        self.array = None


def _write_images(gan: GAN, n: int, seed: int, output: Path, overwrite: bool) -> Path:
    """All ``n`` images at once (after a memory check), as a PNG folder or an .npz."""
    from gankit.data.image_samples import write_image_samples

    check_fits(n * gan.layout.pixels * 4 * 3, f"{n:,} images of {gan.layout.pixels:,} values",
               "draw fewer at a time (several calls with different --seed)")
    images, labels = gan.sample_images(n, seed=seed)
    try:
        return write_image_samples(images, labels, list(gan.class_names), output, overwrite)
    except OSError as err:
        raise write_failed(err, output, NOT_WRITTEN) from None


WRITERS = {"chunked": _write_chunks, "images": _write_images}  # by the data kind's sample_file
