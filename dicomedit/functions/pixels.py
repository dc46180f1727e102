"""``alterPixels[shape, shapeParams, fill, fillParams]``: blank burned-in text (spec §7).

Only ``rectangle`` + ``solid`` exist in XNAT.  The rectangle is columns ``[l, l+|r-l|)`` ×
rows ``[t, t+|b-t|)``, clipped to the image, on every frame.  After a pixel edit the object is
written as Explicit VR Little Endian; compressed pixel data is decoded first with pydicom's
pixel handlers.
"""

from __future__ import annotations

import re

import numpy as np
from pydicom.dataset import FileMetaDataset
from pydicom.pixels.utils import pack_bits
from pydicom.uid import ExplicitVRLittleEndian

from ..engine.env import Env
from ..engine.errors import EvaluationError
from ..engine.values import VOID, Value
from .registry import implements

_SHAPE_KEYS = {"l": "l", "left": "l", "t": "t", "top": "t", "r": "r", "right": "r", "b": "b", "bottom": "b"}


def _params(text: str, what: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in re.sub(r"\s+", "", text).split(","):
        if not part:
            continue
        key, eq, value = part.partition("=")
        if not eq:
            raise EvaluationError(f"alterPixels: malformed {what} parameter '{part}': expected key=value")
        try:
            out[key.lower()] = int(value)
        except ValueError:
            raise EvaluationError(f"alterPixels: {what} parameter '{part}' is not an integer") from None
    return out


def _rectangle(text: str) -> tuple[int, int, int, int]:
    raw = _params(text, "shape")
    named = {_SHAPE_KEYS[k]: v for k, v in raw.items() if k in _SHAPE_KEYS}
    missing = [k for k in "ltrb" if k not in named]
    if missing:
        raise EvaluationError(f"alterPixels: the rectangle needs l, t, r and b; missing {', '.join(missing)}")
    left, top = named["l"], named["t"]
    return left, top, left + abs(named["r"] - left), top + abs(named["b"] - top)


def _fill(text: str, samples: int) -> list[int]:
    raw = _params(text, "fill")
    if "v" in raw or "value" in raw:
        return [raw.get("v", raw.get("value", 0))] * samples
    if all(k in raw for k in "rgb"):
        return [raw["r"], raw["g"], raw["b"]][:samples] if samples > 1 else [raw["r"]]
    raise EvaluationError("alterPixels: the solid fill needs v=<value> or r=,g=,b=")


@implements("alterPixels")
def alter_pixels(env: Env, args: list[Value]) -> Value:
    shape, shape_params, fill, fill_params = (env.required(a, "alterPixels") for a in args[:4])
    if shape.lower() != "rectangle" or fill.lower() != "solid":
        raise EvaluationError(
            f"No PixelEditHandler for shape '{shape}' and fill '{fill}' (XNAT has rectangle + solid)"
        )
    left, top, right, bottom = _rectangle(shape_params)
    ds = env.obj.dataset
    if "PixelData" not in ds:
        raise EvaluationError("alterPixels: the object has no pixel data", "(7FE0,0010)")
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    try:
        if syntax is not None and syntax.is_compressed:
            ds.decompress()
        pixels = np.array(ds.pixel_array, copy=True)
    except Exception as e:  # pydicom raises several types when no handler can decode
        raise EvaluationError(
            f"alterPixels: cannot decode the pixel data ({e}); install a pydicom pixel handler "
            "for this transfer syntax, e.g. pylibjpeg"
        ) from None
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    view = pixels.reshape((frames, int(ds.Rows), int(ds.Columns), samples))
    values = _fill(fill_params, samples)
    for s, value in enumerate(values):
        view[:, max(top, 0) : max(bottom, 0), max(left, 0) : max(right, 0), s] = value
    if int(ds.get("BitsAllocated", 8)) == 1:
        ds.PixelData = pack_bits(pixels)
    else:
        ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()  # written little endian
    if samples > 1:
        ds.PlanarConfiguration = 0  # the array is colour-by-pixel
    if meta is None:
        meta = FileMetaDataset()
        ds.file_meta = meta
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    env.obj.touch()
    env.obj.pixels_edited = True
    return VOID
