# Two commands a newcomer needs: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test index bytecode bench clean

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

index: $(STAMP)
	$(VENV)/bin/tui index

# Python keeps each module's compiled form for the next start, unless PYTHONDONTWRITEBYTECODE is
# set (as in some containers): then every start compiled the package again, ~35 ms before the first
# frame. Compiled here, and again after an edit (only what changed).
bytecode: $(STAMP)
	$(PY) -m compileall -q src

run: bytecode index
	$(VENV)/bin/tui

# Two test processes: most of an app test is waiting (for a paint, a worker, the search process,
# tmux), so two at once take ~2/3 of the time of one, even on two cores that slow each other.
test: $(STAMP)
	$(PY) -m pytest -q -n 2

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) index/_* index/*.toc index/*.seg index/manifest.json
