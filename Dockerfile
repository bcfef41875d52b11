# Pantau's own services (crawler, enrich, index and alert consumers) for docker-compose.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PANTAU_DATA_DIR=/var/lib/pantau
COPY pyproject.toml constraints.txt README.md ./
COPY pantau ./pantau
COPY crawlers ./crawlers
COPY pipelines ./pipelines
COPY consumers ./consumers
COPY infra ./infra
COPY channels ./channels
RUN pip install --no-cache-dir -c constraints.txt . \
    && useradd --system --home-dir /var/lib/pantau --create-home pantau
USER pantau
ENTRYPOINT ["pantau"]
CMD ["--help"]
