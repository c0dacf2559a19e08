# The xxgk image: the project, its locked environment (Airflow 3, dbt-duckdb, GE, extractors),
# LibreOffice headless for legacy .doc files and CJK fonts. Used by every Airflow service.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1

RUN apt-get update \
 && apt-get install -y --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui fonts-wqy-microhei curl \
    libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv==0.13.8 \
 && useradd --create-home --uid 50000 xxgk

WORKDIR /opt/xxgk
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY extract ./extract
COPY expectations ./expectations
COPY synth ./synth
COPY dags ./dags
COPY dbt_project ./dbt_project
COPY samples ./samples
COPY scripts ./scripts
RUN uv sync --frozen --no-dev && mkdir -p /data /opt/xxgk/uploads && chown -R xxgk /data /opt/xxgk

ENV PATH=/opt/xxgk/.venv/bin:$PATH \
    PYTHONPATH=/opt/xxgk \
    XXGK_DATA_DIR=/data \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/xxgk/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False

USER xxgk
CMD ["xxgk", "--help"]
