#!/usr/bin/env python3
"""Rebuild ``common/text/data/teencode.tsv`` (the committed teencode/abbreviation dictionary).

The TSV is the source of truth at run time; this script is how it was made and how to remake it.  It is NOT
imported by the application and needs no network.

Sources (all offline):

1. ``OWN``: hand-written crisiswatch entries (BHXH domain abbreviations and the common chat teencode), below.
   To change or add an entry, edit ``OWN`` here and rerun the script; hand edits to the TSV are lost on rebuild.
2. ``visonorm==0.1.4`` (MIT, (c) 2024 HaDung2002): ``visonorm/dictionary/dictionary.json``, 3,092 LLM-generated
   entries.  It is noisy, so only entries that pass all filters are kept:
   - exactly one normalization, key already lowercase, key a single word of letters (no digits/spaces/symbols);
   - the key (after squeezing letter runs) is NOT a valid Vietnamese syllable (so 'hông', 'hỏng', 'làm' stay);
   - an ASCII key is NOT the accent-folded form of a valid syllable (text typed without diacritics: 'hoi' may be
     'hội', 'thoai' may be 'thoại', so they must never be rewritten);
   - every word of the expansion is a valid syllable (drops broken LLM output);
   - not in ``VISONORM_DENY`` (English words, ambiguous or domain-conflicting acronyms, reviewed by hand).
3. ``soe-vinorm==0.3.2`` (MIT, (c) 2025 Vinh Dang): ``data/dictionaries/vietnamese-syllables.txt`` (the syllable
   filter above; not shipped) and ``abbreviations.txt`` (only the keys in ``SOE_ALLOW`` are taken).

Keys and expansions are NFC, traditional tone placement (same as ``common.text.clean``), lowercase; keys have
letter runs squeezed (``normalize`` squeezes before lookup).

Usage::

    python common/text/data/build_teencode.py \\
        [--visonorm PATH/visonorm/dictionary/dictionary.json] [--soe PATH/soe_vinorm/data/dictionaries]

Without arguments the installed packages are used (``pip install visonorm==0.1.4 soe-vinorm==0.3.2 --no-deps``
into a scratch venv is enough: only their data files are read), or pass their unpacked paths with --visonorm / --soe.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "teencode.tsv"

# --- load the tone normalizer by path (importing the package would load the TSV we are rebuilding) ---------------
_spec = importlib.util.spec_from_file_location("_cw_tone", HERE.parent / "_tone.py")
_tone = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_tone)  # type: ignore[union-attr]

KEY_OK = re.compile(r"[^\W\d_]+")

# key -> expansion; flags after a '|' : upper = only when typed in capitals (case-sensitive key);
# after_number = only right after a number ("500k", "2 tr"); not_before_digit = not when a digit follows ("hẻm 45")
OWN: list[tuple[str, str, str]] = [
    # --- social insurance / labour domain ---------------------------------------------------------------------
    ("bhxh", "bảo hiểm xã hội", ""),
    ("bhyt", "bảo hiểm y tế", ""),
    ("bhtn", "bảo hiểm thất nghiệp", ""),
    ("bhxhvn", "bảo hiểm xã hội việt nam", ""),
    ("vss", "bảo hiểm xã hội việt nam", ""),
    ("bhxhtn", "bảo hiểm xã hội tự nguyện", ""),
    ("bhxhbb", "bảo hiểm xã hội bắt buộc", ""),
    ("bhtnlđ", "bảo hiểm tai nạn lao động", ""),
    ("bhtnld", "bảo hiểm tai nạn lao động", ""),
    ("tctn", "trợ cấp thất nghiệp", ""),
    ("nlđ", "người lao động", ""),
    ("nld", "người lao động", ""),
    ("nsdlđ", "người sử dụng lao động", ""),
    ("nsdld", "người sử dụng lao động", ""),
    ("hđlđ", "hợp đồng lao động", ""),
    ("hdld", "hợp đồng lao động", ""),
    ("tnlđ", "tai nạn lao động", ""),
    ("tnld", "tai nạn lao động", ""),
    # bnn: in this domain "TNLĐ-BNN" = bệnh nghề nghiệp (soe-vinorm says Bộ Nông nghiệp)
    ("bnn", "bệnh nghề nghiệp", ""),
    ("kcb", "khám chữa bệnh", ""),
    ("cccd", "căn cước công dân", ""),
    ("cmnd", "chứng minh nhân dân", ""),
    ("kcn", "khu công nghiệp", ""),
    ("ubnd", "ủy ban nhân dân", ""),
    ("lđtbxh", "lao động thương binh và xã hội", ""),
    ("ldtbxh", "lao động thương binh và xã hội", ""),
    ("cđcs", "công đoàn cơ sở", ""),
    ("cty", "công ty", ""),
    ("bv", "bệnh viện", ""),
    ("nđ", "nghị định", ""),
    ("nq", "nghị quyết", ""),
    ("nv", "nhân viên", ""),
    ("cq", "cơ quan", ""),
    ("tp", "thành phố", ""),
    ("tphcm", "thành phố hồ chí minh", ""),
    ("hcmc", "thành phố hồ chí minh", ""),
    ("hcm", "hồ chí minh", ""),
    ("brvt", "bà rịa vũng tàu", ""),
    ("HN", "hà nội", "upper"),
    ("SG", "sài gòn", "upper"),
    ("ĐN", "đà nẵng", "upper"),
    ("sđt", "số điện thoại", ""),
    ("sdt", "số điện thoại", ""),
    ("stk", "số tài khoản", ""),
    ("ad", "quản trị viên", ""),
    # --- chat teencode ------------------------------------------------------------------------------------------
    ("k", "không", ""),
    ("ko", "không", ""),
    ("kh", "không", ""),
    ("khg", "không", ""),
    ("hok", "không", ""),
    ("hog", "không", ""),
    ("kô", "không", ""),
    ("khum", "không", ""),  # 'khum' is also a real word (bent); as teencode it is far more frequent
    ("hem", "không", "not_before_digit"),  # 'hem 45' typed without diacritics is 'hẻm 45' (alley)
    ("dc", "được", ""),
    ("đc", "được", ""),
    ("j", "gì", ""),
    ("r", "rồi", ""),
    ("vs", "với", ""),
    ("mn", "mọi người", ""),
    ("mng", "mọi người", ""),
    ("cx", "cũng", ""),
    ("ntn", "như thế nào", ""),
    ("bnh", "bao nhiêu", ""),
    ("hn", "hôm nay", ""),
    ("hnay", "hôm nay", ""),
    ("tks", "cảm ơn", ""),
    ("thks", "cảm ơn", ""),
    ("thanks", "cảm ơn", ""),
    ("thank", "cảm ơn", ""),
    ("oke", "ok", ""),
    ("oki", "ok", ""),
    ("okie", "ok", ""),
    # --- units right after a number -----------------------------------------------------------------------------
    ("k", "nghìn", "after_number"),
    ("tr", "triệu", "after_number"),
]
# Decided NOT to expand (ambiguous; kept as typed so a search for the abbreviation still finds it):
#   bn (bạn / bao nhiêu), mk (mình / mật khẩu), cmt (comment / chứng minh thư), bh (bảo hiểm / bao giờ),
#   ck (chồng / chuyển khoản), tk (tài khoản / thanks), hđ (hợp đồng / hội đồng), qđ (quy định / quyết định),
#   tx (thị xã / tài xế), tt (thông tư / tương tác ...), v (vậy / Roman numeral V), add (kết bạn).

SOE_ALLOW = ["bvđk", "cchc", "csgt", "cskh", "ctcp", "ctv", "cbcnv", "dn", "dnnn", "hđnd", "lđlđ", "mttq",
             "pccc", "tnhh", "tw", "lđ", "kcx", "cqnn", "đbqh", "pgđ", "tgđ", "atm"]

VISONORM_DENY = set(
    # English words / brands / units that appear in Vietnamese posts
    "of as any bug see lee cos hey ceo exp del dell lol mer tar ew eww mma og ow uk zz ee bb ii ja ju kg cod "
    "lag lok mag ned sag syn toy vid wan wen hei gig bmi cook cout kout deed lips ling pink puck real said sank "
    "shin tide time tree meow quad nsfw yang kink lays lone thou mays koan cya gra "
    # ambiguous acronyms, or a different meaning in the BHXH / legal domain
    "hv vng đs tm tt tb tc td sh ss hh hb hc ht hq kn lk lg ls md qh qq vt cd cv dt gs gt bc bq tx ag ah đb đx "
    "dk dv xs cl pp pn nn hđ gđ gq bđ qđ dag nhie mk sg bn ck tk "
    # wrong or nonsensical expansions
    "ungthu minhon cshs sunsee txvt quánk dzông qươi rạpz thầny gọtbnhư".split()
)


def fold(s: str) -> str:
    d = unicodedata.normalize("NFD", s)
    d = "".join(c for c in d if not unicodedata.combining(c))
    return d.replace("đ", "d").replace("Đ", "D")


def canon(s: str, lower: bool = True) -> str:
    s = _tone.fix_tones(unicodedata.normalize("NFC", s).strip())
    s = re.sub(r"\s+", " ", s)
    return s.lower() if lower else s


def _package_path(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0], *parts)
    return None


def find_sources(args) -> tuple[Path, Path]:
    vis = Path(args.visonorm) if args.visonorm else None
    soe = Path(args.soe) if args.soe else None
    if vis is None:
        vis = _package_path("visonorm", "dictionary", "dictionary.json")
    if soe is None:
        soe = _package_path("soe_vinorm", "data", "dictionaries")
    for p in (vis, soe):
        if p is None or not p.exists():
            sys.exit("sources not found: `pip install --no-deps visonorm==0.1.4 soe-vinorm==0.3.2` (or unpack them "
                     "and pass --visonorm PATH/dictionary.json --soe PATH/data/dictionaries)")
    return vis, soe


def build(vis_path: Path, soe_dir: Path) -> list[tuple[str, str, str, str]]:
    syllables = {canon(l) for l in (soe_dir / "vietnamese-syllables.txt").read_text("utf-8").splitlines() if l.strip()}
    folded_syllables = {fold(s) for s in syllables}

    rows: dict[tuple[str, str], tuple[str, str, str, str]] = {}  # (key, flags) -> row

    def add(key: str, exp: str, source: str, flags: str) -> None:
        if (key, flags) not in rows:
            rows[(key, flags)] = (key, exp, source, flags)

    for key, exp, flags in OWN:
        k = canon(key, lower=(flags != "upper"))
        add(k, canon(exp), "crisiswatch", flags)

    for line in (soe_dir / "abbreviations.txt").read_text("utf-8").splitlines():
        if ":" not in line:
            continue
        k, v = line.split(":", 1)
        k = canon(k)
        if k in SOE_ALLOW and "," not in v:
            add(k, canon(v), "soe-vinorm-0.3.2", "")

    data = json.loads(vis_path.read_text("utf-8"))
    candidates: dict[str, set[str]] = {}
    for raw_key, entry in data.items():
        norm = entry.get("normalized") if isinstance(entry, dict) else None
        if not isinstance(norm, list) or len(norm) != 1 or not isinstance(norm[0], str):
            continue
        raw_key = unicodedata.normalize("NFC", raw_key)
        if raw_key != raw_key.lower() or not KEY_OK.fullmatch(raw_key):
            continue
        k = canon(_tone.squeeze(canon(raw_key)))
        v = canon(norm[0])
        if not v or k == v or k in VISONORM_DENY:
            continue
        if k in syllables or (k.isascii() and k in folded_syllables):
            continue
        if not all(w in syllables for w in v.split()):
            continue
        if len(k) == 2 and k[0] == k[1]:
            continue
        candidates.setdefault(k, set()).add(v)
    for k, vs in candidates.items():
        if len(vs) == 1:  # keys that became ambiguous after squeezing are dropped
            add(k, next(iter(vs)), "visonorm-0.1.4", "")

    return sorted(rows.values(), key=lambda r: (r[2] != "crisiswatch", r[2], r[0], r[3]))


HEADER = """\
# crisiswatch teencode / abbreviation dictionary (source of truth at run time; rebuilt by build_teencode.py)
# Columns: key<TAB>expansion<TAB>source<TAB>flags   (keys lowercase NFC, traditional tone placement, squeezed)
# flags: '' = always; upper = only when typed in capitals (key is case-sensitive);
#        after_number = only right after a number (500k, 2 tr); not_before_digit = not when a digit follows.
# Sources and licences:
#   crisiswatch     hand-written for this project (BHXH domain + common chat teencode)
#   visonorm-0.1.4  visonorm/dictionary/dictionary.json, MIT License, Copyright (c) 2024 HaDung2002 (filtered)
#   soe-vinorm-0.3.2 data/dictionaries/abbreviations.txt, MIT License, Copyright (c) 2025 Vinh Dang (selected keys)
# Full licence texts: THIRD_PARTY_LICENSES.md next to this file.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--visonorm")
    ap.add_argument("--soe")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    vis, soe = find_sources(args)
    rows = build(vis, soe)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER)
        for r in rows:
            f.write("\t".join(r) + "\n")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[2]] = counts.get(r[2], 0) + 1
    print(f"wrote {len(rows)} entries to {args.out}: {counts}")


if __name__ == "__main__":
    main()
