"""Uploaded files, spooled to disk with a size limit, for the ISO 20022 readers."""

from __future__ import annotations

from pathlib import Path

from fastapi import UploadFile

from corridor.api.services import MAX_UPLOAD, UploadTooLargeError


async def spool_to(upload: UploadFile, folder: Path) -> Path:
    """The upload as a file in `folder`; UploadTooLargeError past MAX_UPLOAD bytes."""
    path = folder / "upload.xml"
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise UploadTooLargeError(f"an upload is at most {MAX_UPLOAD:,} bytes")
            out.write(chunk)
    return path
