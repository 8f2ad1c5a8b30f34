"""Rich answers in the real Anki backend: highlighted code that keeps its lines and
indentation, real tables, images shipped as media named by content hash, and
escaping that holds inside all of them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from anki.collection import Collection
from PIL import Image

from anki_helpers import collection, import_package, make_bank, options
from conftest import write_files
from prepdeck import anki

pytestmark = pytest.mark.slow

RICH_ANSWER = """\
A NetworkPolicy that denies all ingress:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
spec:
  podSelector: {}
  policyTypes:
    - Ingress
```

And a check in Python:

```python
def allowed(pod):
    if pod.labels.get("app") == "<api>":
        return True
    return False
```

| Tool | Finds | Cost |
| :--- | :---: | ---: |
| `trivy` | CVEs & <misconfig> | free |
| **Snyk** | CVEs | paid |

![Pod-to-pod <diagram> & "flows"](media/pods.png)
"""


def png(path: Path, color: tuple[int, int, int] = (30, 90, 200)) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 32), color).save(path, format="PNG")
    return path.read_bytes()


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    col = collection(tmp_path / "anki" / "collection.anki2")
    yield col
    col.close()


def build(tmp_path: Path, name: str) -> Path:
    bank = make_bank(edits={"what-is-a-secret": {"answer": RICH_ANSWER}})
    dest = tmp_path / name
    result = anki.write_deck(bank, dest, options(tmp_path))
    write_files(result)
    return dest


def answer_html(col: Collection) -> str:
    [cid] = col.find_cards('"ID:what-is-a-secret"')
    return col.get_card(cid).answer()


def test_code_tables_and_images_reach_the_card(tmp_path: Path, col: Collection) -> None:
    image = png(tmp_path / "content" / "media" / "pods.png")
    import_package(col, build(tmp_path, "deck.apkg"))
    html = answer_html(col)

    # code: one <pre> per block, highlighted spans, newlines and indentation intact
    blocks = re.findall(r'<pre class="code" data-lang="(\w+)"><code>(.*?)</code></pre>', html, re.S)
    assert [lang for lang, _ in blocks] == ["yaml", "python"]
    yaml_text = re.sub(r"<[^>]+>", "", blocks[0][1])
    assert "metadata:\n  name: deny-all\nspec:\n  podSelector: {}\n" in yaml_text
    assert "  policyTypes:\n    - Ingress" in yaml_text
    # the text a browser shows (Pygments before 2.18 escapes quotes too, as &quot;)
    python_text = unescape(re.sub(r"<[^>]+>", "", blocks[1][1]))
    assert 'def allowed(pod):\n    if pod.labels.get("app") == "<api>":\n' in python_text
    assert "&lt;api&gt;" in blocks[1][1]  # escaped in the field: text, never markup
    assert '<span class="hl-k">def</span>' in blocks[1][1]
    assert '<span class="hl-nt">apiVersion</span>' in blocks[0][1]

    # table: header cells with their alignment, inline Markdown in cells, all escaped
    assert '<div class="table-scroll"><table>' in html
    assert '<th style="text-align:left">Tool</th>' in html
    assert '<th style="text-align:center">Finds</th>' in html
    assert '<td style="text-align:left"><code>trivy</code></td>' in html
    assert "CVEs &amp; &lt;misconfig&gt;" in html
    assert '<td style="text-align:left"><strong>Snyk</strong></td>' in html

    # image: a media file named by the hash of its bytes, in the collection
    name = f"test-bank-{hashlib.sha256(image).hexdigest()[:20]}.png"
    alt = "Pod-to-pod &lt;diagram&gt; &amp; &quot;flows&quot;"
    assert f'<img src="{name}" alt="{alt}">' in html
    media = Path(col.media.dir()) / name
    assert media.read_bytes() == image
    for live in ("<misconfig>", "<diagram>", "<api>"):
        assert live not in html

    # the note type's CSS colours the tokens in both modes; its fields are unchanged
    notetype = col.models.by_name("prepdeck question (test-bank)")
    assert notetype is not None
    assert [f["name"] for f in notetype["flds"]] == list(anki.NOTE_FIELDS)
    assert ".pd .code .hl-k {" in notetype["css"]
    assert ".nightMode .pd .code .hl-k, .night_mode .pd .code .hl-k {" in notetype["css"]
    assert "<script" not in notetype["css"] + html


def test_an_edited_image_reaches_users_and_an_unchanged_one_is_not_duplicated(
    tmp_path: Path, col: Collection
) -> None:
    source = tmp_path / "content" / "media" / "pods.png"
    first = png(source)
    import_package(col, build(tmp_path, "1.apkg"))
    again = import_package(col, build(tmp_path, "2.apkg"))
    assert not again.updated and len(again.duplicate) == 5
    media_dir = Path(col.media.dir())
    assert sorted(p.name for p in media_dir.iterdir() if p.suffix == ".png") == [
        f"test-bank-{hashlib.sha256(first).hexdigest()[:20]}.png"
    ]

    second = png(source, (220, 40, 40))  # the author redraws the diagram
    log = import_package(col, build(tmp_path, "3.apkg"))
    assert [u.fields[0] for u in log.updated] == ["what-is-a-secret"]
    new_name = f"test-bank-{hashlib.sha256(second).hexdigest()[:20]}.png"
    assert (media_dir / new_name).read_bytes() == second
    assert f'src="{new_name}"' in answer_html(col)


def test_packages_with_images_are_byte_identical(tmp_path: Path) -> None:
    png(tmp_path / "content" / "media" / "pods.png")
    assert build(tmp_path, "a.apkg").read_bytes() == build(tmp_path, "b.apkg").read_bytes()
