# Production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HAANDGUIDE_MODE=production
# WeasyPrint needs Pango; fonts so PDFs render Danish letters.
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The dependencies first, from pyproject.toml alone, so this layer is rebuilt only when they change.
COPY pyproject.toml build-constraints.txt ./
RUN pip install --no-cache-dir --upgrade "pip>=25.3" \
    && python -c "import tomllib; [print(d) for d in tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']]" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir --build-constraint build-constraints.txt -r /tmp/requirements.txt
# Then the code, copied once and installed in place: Python imports the apps from /app whatever the
# working directory, and settings.BASE_DIR (/app) finds templates/ and static/ beside them. No
# second copy in site-packages (tests/test_image.py builds the same without Docker).
COPY . .
RUN pip install --no-cache-dir --no-deps --build-constraint build-constraints.txt --editable .
RUN useradd --system --home /app haandguide && mkdir -p /app/var /app/staticfiles \
    && chown -R haandguide /app/var /app/staticfiles
USER haandguide
EXPOSE 8000
CMD ["gunicorn", "haandguide.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
