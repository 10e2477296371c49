# Production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HAANDGUIDE_MODE=production
# WeasyPrint needs Pango; fonts so PDFs render Danish letters.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml build-constraints.txt README.md ./
COPY haandguide ./haandguide
COPY cases ./cases
COPY handleplan ./handleplan
COPY districtcouncil ./districtcouncil
RUN pip install --no-cache-dir --upgrade "pip>=25.3" \
    && pip install --no-cache-dir --build-constraint build-constraints.txt .
COPY . .
RUN useradd --system --home /app haandguide && mkdir -p /app/var /app/staticfiles \
    && chown -R haandguide /app/var /app/staticfiles
USER haandguide
EXPOSE 8000
CMD ["gunicorn", "haandguide.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
