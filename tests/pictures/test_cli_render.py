"""`defector-bot render`: the bot's pictures written to files, bad input refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.catalog.models import Defector
from bot.pictures import build, render


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_each_picture_is_written_as_the_bot_draws_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, records: tuple[Defector, ...]
) -> None:
    nureyev = next(r for r in records if r.name == "Rudolf Nureyev")
    hungary = [r for r in records if r.origin_country == "Hungary" and 1950 <= r.year <= 1959]
    expected = {
        ("stats",): build.stats_chart(records, "All 165 people"),
        ("stats", "--origin", "hungary", "--decade", "1950"): build.stats_chart(
            hungary, f"Hungary · the 1950s: {len(hungary)} people"
        ),
        ("person", "nureyev"): build.timeline(nureyev, records),
        ("profile", "--demo"): build.demo_profile(),
        ("standings", "--demo"): build.demo_standings(),
    }
    for argv, picture in expected.items():
        out_file = tmp_path / "picture.png"
        code, out, err = run(capsys, "render", *argv, "--out", str(out_file))
        assert (code, err) == (0, ""), argv
        assert out.strip() == f"{out_file} ({picture.size[0]}×{picture.size[1]})"
        assert out_file.read_bytes() == render(picture), argv


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["profile"], "the following arguments are required: --demo, --out"),
        (["person", "zzzzqqq"], "no one matches 'zzzzqqq' for sure"),
        (["person", "stastny"], "did you mean: Anton Šťastný, Peter Šťastný?"),
        (["stats", "--decade", "1955"], "--decade must be a decade's first year"),
        (["stats", "--decade", "2020"], "argument --decade"),
        (["stats", "--origin", "Narnia"], "“Narnia” is not a country of origin"),
        (["stats", "--method", "teleport"], "“teleport” is not a method"),
        (["stats", "--origin", "albania", "--decade", "1920"], "no one in the catalogue matches"),
        (["stats", "--out", "x.jpg"], "--out must name a .png file"),
        (["stats", "--out", "/nonexistent/dir/x.png"], "cannot write /nonexistent/dir/x.png"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    if "--out" not in argv and argv != ["profile"]:
        argv = [*argv, "--out", str(tmp_path / "x.png")]
    code, out, err = run(capsys, "render", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
