FROM python:3.11-slim
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
# CPU torch first, pinned, from PyTorch's CPU index, so nothing pulls a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN useradd -m app && mkdir -p /app/instance && chown -R app /app/instance
USER app
EXPOSE 8000
CMD ["sh", "-c", "flask --app marketplace db-upgrade && flask --app marketplace serve --host 0.0.0.0 --port 8000"]
