"""SKY202 eval: synchronous network, sleep, subprocess, file and database calls in async def.

Expected findings are trailing comments; every other line must stay clean.
"""

import asyncio
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import httpx
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session


async def sleeps():
    time.sleep(1)  # SKY202: 5


async def http_calls(url):
    requests.get(url, timeout=5)  # SKY202
    httpx.post(url)  # SKY202
    urllib.request.urlopen(url)  # SKY202
    with httpx.Client() as http:
        http.get(url)  # SKY202


async def processes():
    subprocess.run(["ls"], check=True)  # SKY202
    os.system("ls")  # SKY202


async def files(path: Path):
    with open("data.txt") as handle:  # SKY202
        handle.read()
    text = path.read_text()  # SKY202
    Path("out.txt").write_bytes(b"x")  # SKY202
    return text


async def sync_session(session: Session):
    session.execute(select(1))  # SKY202


# --- traps: none of these may be flagged ---------------------------------------------------
async def off_the_loop(url):
    await asyncio.to_thread(requests.get, url)
    await asyncio.to_thread(time.sleep, 1)
    await asyncio.get_running_loop().run_in_executor(None, time.sleep, 1)
    await asyncio.sleep(1)


def sync_code_may_block(url):
    time.sleep(1)
    return requests.get(url, timeout=5)


async def nested_sync_function():
    def work():
        time.sleep(1)

    await asyncio.to_thread(work)


async def lambda_runs_in_a_thread(url):
    await asyncio.to_thread(lambda: requests.get(url, timeout=5))


async def async_client(url):
    async with httpx.AsyncClient() as http:
        await http.get(url)


async def shadowed_open(open):
    return open("x")


async def strings_only():
    """time.sleep(1) and requests.get(url)"""
    # time.sleep(1)
    return "requests.get(url)"
