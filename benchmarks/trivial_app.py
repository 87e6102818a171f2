"""A trivial FastAPI app, the HTTP floor benchmarks/load_api.py compares the API with: POST
/v1/judgements reads and parses the JSON body and returns a fixed judgement (the same payload the
API returns for the benchmark's first case, serialised once at start-up); GET /healthz names the
worker. Served by the same supervisor as `hazard serve` (api.workers: one SO_REUSEPORT socket per
worker, same uvicorn options), so only the work per request differs.

    python3 benchmarks/trivial_app.py --port 8001 --workers 2
"""

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


from fastapi import FastAPI, Request  # noqa: E402 - at module level: FastAPI resolves the annotations here
from fastapi.responses import Response  # noqa: E402


def create_app() -> FastAPI:
    from engine.pipeline import judge

    payload = judge("chemicals", {"充装介质": "液氨", "充装使用万向管道充装系统": "否"}, dt.date(2026, 6, 1),
                    context={"found_by": None}).model_dump_json(exclude_none=True).encode()
    app = FastAPI()

    @app.post("/v1/judgements")
    async def judgements(request: Request) -> Response:
        json.loads(await request.body())
        return Response(payload, media_type="application/json")

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "worker": os.getpid()}

    return app


def main() -> int:
    from api import workers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    return workers.serve(args.host, args.port, args.workers,
                         {"app": "trivial_app:create_app", "log_level": "warning", "access_log": False})


if __name__ == "__main__":
    sys.exit(main())
