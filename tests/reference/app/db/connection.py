import psycopg2 # PostgreSQL driver for Python
import os # Read environment variables (credentials, hostnames)
def get_connection():
    # All connection details come from environment variables set in docker-compose.yml
    # Never hardcode passwords in source code
    return psycopg2.connect(
        host=os.getenv("DB_HOST", "db"), # "db" is the Docker service name
        port=os.getenv("DB_PORT", "5432"), # the one change: reach a throwaway cluster
        database=os.getenv("DB_NAME", "appdb"),
        user=os.getenv("DB_USER", "postgres"),
        password=os.getenv("DB_PASSWORD", "password"),
    )
