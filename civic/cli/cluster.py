"""`civic cluster`: re-cluster the stored proposals (with progress), or cluster a file without the database.

    civic cluster                                   # re-cluster var/civic.db in the foreground
    civic cluster --input in.csv --output out.jsonl # file mode: {"id", "cluster", "label"} per input record
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from civic.clustering.algorithms import METHODS, ClusterParams


def register(app: typer.Typer) -> None:
    app.command("cluster", help="제안을 주제별로 묶어요 (데이터베이스 전체 또는 --input 파일).")(cluster_command)


def cluster_command(
    input: Annotated[Path | None, typer.Option("--input", "-i", help="묶을 CSV/TSV/JSONL 파일 (DB는 건드리지 않아요)")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="결과 JSONL (또는 .csv) 파일")] = None,
    text_column: Annotated[str | None, typer.Option(help="내용 열 이름 (기본: text/content/title 등 자동)")] = None,
    id_column: Annotated[str | None, typer.Option(help="번호 열 이름 (기본: id, 없으면 줄 번호)")] = None,
    method: Annotated[str, typer.Option(help=f"군집 방법: {', '.join(METHODS[:2])}")] = ClusterParams.method,
    threshold: Annotated[float, typer.Option(help="병합을 멈출 코사인 거리 (agglomerative)")] = ClusterParams.threshold,
    min_size: Annotated[int, typer.Option(help="주제가 되는 최소 제안 수")] = ClusterParams.min_cluster_size,
    backend: Annotated[str | None, typer.Option(help="임베딩: offline | sentence-transformers (기본: 설정값)")] = None,
    model: Annotated[str | None, typer.Option(help="sentence-transformers 모델 폴더 또는 이름")] = None,
) -> None:
    from civic.settings import get_settings

    settings = get_settings()
    if method not in ("agglomerative", "hdbscan"):
        _fail(f"군집 방법은 agglomerative 또는 hdbscan 이에요 (받은 값: {method}).", code=2)
    if not 0 < threshold < 2 or min_size < 2:
        _fail("--threshold 는 0과 2 사이, --min-size 는 2 이상이어야 해요.", code=2)
    params = ClusterParams(method=method, threshold=threshold, min_cluster_size=min_size)
    if (input is None) != (output is None):
        _fail("--input 과 --output 은 함께 지정해 주세요.", code=2)
    if input is not None:
        _file_mode(input, output, text_column, id_column, params, backend or settings.embedder_backend,
                   model if model is not None else settings.embedder_model, settings.analyzer)
        return
    if backend or model:
        overrides = {k: v for k, v in (("embedder_backend", backend), ("embedder_model", model)) if v}
        settings = settings.model_copy(update=overrides)
    _db_mode(settings, params)


def _file_mode(input: Path, output: Path, text_column, id_column, params, backend, model, analyzer) -> None:
    from civic.clustering.files import ClusterFileError, cluster_file
    from civic.embeddings.sbert import EmbedderUnavailable

    try:
        result = cluster_file(input, output, text_column=text_column, id_column=id_column, params=params,
                              backend=backend, model=model, analyzer=analyzer, progress=_say)
    except (ClusterFileError, EmbedderUnavailable) as exc:
        _fail(str(exc))
    except MemoryError:
        _fail("메모리가 부족해요. 파일을 나누어 실행해 주세요.")
    share = result.n_unclustered / max(result.n_records, 1)
    _say(f"완료: {result.n_records:,}건 → 주제 {result.n_clusters:,}개, 미분류 {result.n_unclustered:,}건 "
         f"({share:.0%}). 결과: {output}")


def _db_mode(settings, params) -> None:
    from civic.clustering import recluster
    from civic.embeddings.sbert import EmbedderUnavailable

    last = {"stage": None}

    def progress(stage: str, fraction: float, message: str) -> None:
        if stage != last["stage"]:
            last["stage"] = stage
            _say(f"[{fraction:4.0%}] {message}")

    try:
        job = recluster.start(settings, requested_by="cli", background=False, params=params, progress=progress)
    except EmbedderUnavailable as exc:
        _fail(str(exc))
    if not job.created:
        _say(f"이미 진행 중인 주제 묶기 작업이 있어요 (작업 #{job.id}, {job.progress:.0%}). 끝나면 다시 시도해 주세요.")
        return
    if job.state != "done":
        _fail(f"주제 묶기에 실패했어요 (작업 #{job.id}): {job.error or '로그를 확인해 주세요.'}")
    _say(f"완료: 제안 {job.n_proposals or 0:,}건 → 주제 {job.n_topics or 0:,}개 (유지 {job.n_kept or 0}, "
         f"새 주제 {job.n_new or 0}, 사라진 주제 {job.n_retired or 0}), 미분류 {job.n_unclustered or 0:,}건.")


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"오류: {message}", err=True)
    raise typer.Exit(code)
