"The FLA tier (see conftest.py): a package, so that its conftest does not shadow tests/conftest.py as module `conftest`"
