# One image for the four services; docker-compose.yml picks the service with $SERVICE.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies change less often than code: install the declared ones in their own layer.
# README.md* : the readme pyproject.toml names, copied when present (a missing one only warns).
COPY pyproject.toml README.md* ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY shared ./shared
COPY services ./services
COPY devstack ./devstack
RUN pip install --no-deps . && useradd --system --uid 10001 --no-create-home app

USER app
ENV SERVICE=planner
# exec: the service is PID 1's only child-free process and receives SIGTERM from `docker stop`.
CMD ["sh", "-c", "exec python -m \"services.$SERVICE\""]
