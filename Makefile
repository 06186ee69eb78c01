# kitsu-web: the two commands of the README, and a few helpers.
#   make demo   a seeded local Zou and kitsu-web on http://127.0.0.1:8080
#   make test   every test, against a Zou the suite starts itself
.PHONY: demo test bench stack-down lint

PORT ?= 8080

demo:
	scripts/bootstrap --demo
	KITSU_WEB_PORT=$(PORT) scripts/zou-stack up
	scripts/zou-stack seed
	scripts/run-demo $(PORT)

test:
	scripts/bootstrap
	.venv/bin/python -m pytest

bench:
	scripts/bootstrap
	.venv/bin/python -m bench

stack-down:
	scripts/zou-stack down
