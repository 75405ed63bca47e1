"""A Python Telegram bot's Chatfunnel wiring, standard library only.

It does what the README's aiogram middleware does: every Bot API Update is forwarded untouched, as
its JSON text, to POST /v1/updates/telegram, and the bot's own business rule (here: a shared phone
number is a lead) is posted to /v1/events. Updates arrive on stdin one JSON text per line, as a
webhook or getUpdates would hand them over; each answer is printed as one JSON line for the test.

usage: telegram_forwarder.py <endpoint> <write key> <bot id>
"""
import json
import sys
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone


def post(endpoint: str, key: str, path: str, body: bytes) -> dict:
    request = urllib.request.Request(
        endpoint + path,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return {"status": response.status, "body": json.loads(response.read())}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "body": json.loads(error.read())}


def lead_event(bot_id: str, message: dict) -> dict:
    # One second after the contact message, as a handler that saves the phone first would send it.
    when = datetime.fromtimestamp(message["date"] + 1, tz=timezone.utc)
    return {
        "id": str(uuid.uuid4()),
        "type": "lead",
        "channel": "telegram",
        "botId": bot_id,
        "userId": str(message["from"]["id"]),
        "timestamp": when.isoformat().replace("+00:00", "Z"),
        "properties": {"form": "phone"},
    }


def main() -> None:
    endpoint, key, bot_id = sys.argv[1:4]
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        answers = [post(endpoint, key, f"/v1/updates/telegram?botId={bot_id}", text.encode("utf-8"))]
        message = json.loads(text).get("message") or {}
        if "contact" in message:
            answers.append(post(endpoint, key, "/v1/events", json.dumps({"events": [lead_event(bot_id, message)]}).encode("utf-8")))
        print(json.dumps(answers), flush=True)


if __name__ == "__main__":
    main()
