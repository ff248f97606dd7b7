"""How a Python-CDK connector spends its time: gzip + json.loads + json.dumps of a RECORD per line.

    python3 bench/suite/python_pipeline.py FILE.jsonl.gz > /dev/null   (prints {"records": N} on stderr)
"""
import gzip
import json
import sys
import time

STREAMS = {"task": "tasks", "team": "teams", "message": "messages"}


def main() -> None:
    out = sys.stdout
    records = 0
    with gzip.open(sys.argv[1], "rb") as lines:
        for line in lines:
            obj = json.loads(line)
            stream = STREAMS.get(obj.get("resource_type"))
            if stream is None:
                continue
            message = {"type": "RECORD", "record": {"stream": stream, "emitted_at": int(time.time() * 1000), "data": obj}}
            out.write(json.dumps(message))
            out.write("\n")
            records += 1
    out.flush()
    sys.stderr.write(json.dumps({"records": records}) + "\n")


if __name__ == "__main__":
    main()
