# dieuphoi: one image for the bot in webhook mode and its maintenance commands
# (`dieuphoi db upgrade`, `dieuphoi roster import`, `dieuphoi health`). See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Migrations, alembic.ini and the compiled catalogs are read from the source tree,
# so the project is installed in place (editable) rather than copied into site-packages.
COPY pyproject.toml README.md LICENSE alembic.ini babel.cfg ./
COPY bot ./bot
COPY handlers ./handlers
COPY migrations ./migrations
COPY locales ./locales
RUN pip install -e ".[postgres]" \
    && useradd --system --uid 10001 --home-dir /app dieuphoi

USER dieuphoi
ENV DIEUPHOI_WEBHOOK_HOST=0.0.0.0 \
    DIEUPHOI_WEBHOOK_PORT=8080 \
    DIEUPHOI_LOG_FORMAT=json
EXPOSE 8080

# Database, Redis and the outbox backlog; the Bot API is left to the proxy's monitoring.
HEALTHCHECK --interval=30s --timeout=25s --start-period=60s --retries=3 \
    CMD ["dieuphoi", "health", "--skip-bot-api", "--max-outbox-age", "5m"]

CMD ["dieuphoi", "run", "--webhook"]
