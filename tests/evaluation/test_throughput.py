from click.testing import CliRunner

from stance.cli import main
from stance.evaluation.throughput import parse_args


def test_bench_command_passes_its_options_through(capsys):
    result = CliRunner().invoke(main, ["bench", "--help"])
    assert result.exit_code == 0
    assert "--articles" in capsys.readouterr().out + result.output


def test_bench_options():
    args = parse_args(["--articles", "7", "--processes", "1", "--no-components"])
    assert (args.articles, args.processes, args.no_components) == (7, [1], True)
