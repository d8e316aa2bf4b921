"""An LMTP server (RFC 2033) for the interop tests, built on Debian's aiosmtpd.

Each accepted message is stored once per recipient as the exact bytes aiosmtpd
received after dot-unstuffing (<dir>/<local-part>/<n>.eml), beside a JSON file with
the envelope (<n>.json), so a test can compare what landed byte for byte.

Recipients choose their fate by local part, so a test can exercise LMTP's
one-reply-per-recipient rule (RFC 2033 section 4.2):
  reject*   refused at RCPT with 550 5.1.1
  defer*    accepted at RCPT, 452 4.2.2 after the body (nothing stored)
  fail*     accepted at RCPT, 554 5.6.0 after the body (nothing stored)
  anything else: accepted, stored, 250 2.0.0 after the body
"""

import argparse
import asyncio
import json
import os
import re
import signal

from aiosmtpd.lmtp import LMTP


def local_part(address):
    return address.rsplit("@", 1)[0]


def safe_name(text):
    # A directory name for a local part: keep it readable, never a path.
    return re.sub(r"[^A-Za-z0-9._+-]", "_", text) or "_"


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.sequence = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if local_part(address).startswith("reject"):
            return "550 5.1.1 No such user here (test)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        replies = []
        for address in envelope.rcpt_tos:
            name = local_part(address)
            if name.startswith("defer"):
                replies.append(f"452 4.2.2 <{address}> mailbox full (test)")
                continue
            if name.startswith("fail"):
                replies.append(f"554 5.6.0 <{address}> message refused (test)")
                continue
            self.sequence += 1
            folder = os.path.join(self.directory, safe_name(name))
            os.makedirs(folder, exist_ok=True)
            base = os.path.join(folder, str(self.sequence))
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content)
            meta = {
                "mailFrom": envelope.mail_from,
                "mailOptions": envelope.mail_options,
                "rcptTo": address,
                "lhlo": session.host_name,
            }
            with open(base + ".json", "w", encoding="utf-8") as f:
                json.dump(meta, f, ensure_ascii=False)
            # The .eml appears last and whole: a test polling for it never reads half.
            os.rename(base + ".eml.tmp", base + ".eml")
            replies.append(f"250 2.0.0 <{address}> delivered (test)")
        # aiosmtpd writes the returned text and one CRLF: joining with CRLF gives
        # one reply line per accepted recipient, in RCPT order.
        return "\r\n".join(replies)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--pid-file", required=True)
    args = parser.parse_args()

    loop = asyncio.get_running_loop()
    handler = Handler(args.dir)
    server = await loop.create_server(
        lambda: LMTP(
            handler,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname="lmtp.example.test",
            data_size_limit=1048576,
        ),
        host="127.0.0.1",
        port=args.port,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with open(args.pid_file, "w") as f:
        f.write(f"{os.getpid()}\n")
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
