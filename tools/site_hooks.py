"MkDocs hook: the navigation of the site, staged by tools/build_site.py in _build/nav.yml from nbs/sidebar.yml."
from pathlib import Path
import yaml

def on_config(config, **kw):
    nav = Path(config.config_file_path).parent / "_build" / "nav.yml"
    if not nav.exists(): raise SystemExit(f"{nav} is missing: build the site with `make site` (tools/build_site.py)")
    config["nav"] = yaml.safe_load(nav.read_text())
    return config
