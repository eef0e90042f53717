"""Fixes to moto's answers where they differ from the service's and a Rust SDK client refuses
them. Shared by both moto launchers: local/moto/server.py (the local stack and the rehearsal)
and testkit's supervisor (the tests), so each fix is written once."""

from typing import Any

from moto.s3.responses import S3Response


def patch_list_parts_root() -> None:
    """moto 5.2.5 answers ListParts with the root `ListPartsResponse`; S3 uses
    `ListPartsResult`, and the Rust SDK refuses any other root (boto3 does not look, which is
    how moto's own tests miss it)."""
    list_parts = S3Response.list_parts

    def list_parts_result(self: Any) -> Any:
        status, headers, body = list_parts(self)
        if isinstance(body, str):
            body = body.replace("ListPartsResponse", "ListPartsResult")
        else:
            body = body.replace(b"ListPartsResponse", b"ListPartsResult")
        return status, headers, body

    S3Response.list_parts = list_parts_result  # type: ignore[method-assign]
