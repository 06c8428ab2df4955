# One image for web, worker and beat (docker-compose.yml).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_ENV=production
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=assets /src/node_modules ./node_modules
RUN mkdir -p static/vendor/bootstrap static/vendor/htmx static/vendor/echarts static/vendor/bootstrap-icons \
 && cp -r node_modules/bootstrap/dist/css node_modules/bootstrap/dist/js static/vendor/bootstrap/ \
 && cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/ \
 && cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts/ \
 && cp -r node_modules/bootstrap-icons/font static/vendor/bootstrap-icons/ \
 && rm -rf node_modules \
 && SECRET_KEY=build-only-secret-key-not-used-at-runtime-000 DATABASE_URL=postgresql://x@localhost/x \
    python manage.py compilemessages --ignore=.venv -v 0 \
 && SECRET_KEY=build-only-secret-key-not-used-at-runtime-000 DATABASE_URL=postgresql://x@localhost/x \
    python manage.py collectstatic --no-input -v 0
RUN useradd --system --uid 1000 ipops && chown -R ipops /app
USER ipops
EXPOSE 8000
CMD ["gunicorn", "ipops.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
