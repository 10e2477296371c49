"""Start the test OpenID provider: python -m tests.oidc_op --port 9101 [--seed seed.json].

The issuer is http://127.0.0.1:<port>/o. A seed file (JSON: {"clients": [...], "users": [...]})
registers clients and users at start; the tests register theirs through /test/client and /test/user.
"""

import argparse
import json
import os
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", default="")
    args = parser.parse_args()
    os.environ["OP_PORT"] = str(args.port)
    os.environ.setdefault("OP_DB", os.path.join(tempfile.mkdtemp(prefix="oidc-op-"), "op.sqlite3"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_op.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if args.seed:
        from tests.oidc_op.urls import upsert_client, upsert_user

        with open(args.seed, encoding="utf-8") as handle:
            seed = json.load(handle)
        for client in seed.get("clients", []):
            upsert_client(client)
        for user in seed.get("users", []):
            upsert_user(user)
    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, skip_checks=True)


if __name__ == "__main__":
    main()
