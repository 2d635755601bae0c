from app.db.connection import get_connection
from app.schemas.user import UserCreate
def create_user(user: UserCreate) -> dict:
    conn = get_connection() # Open a connection to the database
    try:
        with conn.cursor() as cur:
            # Parameterised query — %s placeholders are filled safely by psycopg2
            # RETURNING id gives us back the auto-generated id
            cur.execute(
                "INSERT INTO users (name, email, age) VALUES (%s, %s, %s) RETURNING id",
                (user.name, user.email, user.age),
            )
            user_id = cur.fetchone()[0] # Extract the new id from the result
        conn.commit() # Make the insert permanent
        return {"id": user_id, "name": user.name, "email": user.email, "age": user.age}
    finally:
        conn.close() # Always close the connection
def get_users() -> list:
    conn = get_connection()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name, email, age FROM users ORDER BY id")
            rows = cur.fetchall() # List of tuples: [(1, "Alice", ...), ...]
        # Convert each tuple to a dict for JSON serialisation
        return [{"id": r[0], "name": r[1], "email": r[2], "age": r[3]} for r in rows]
    finally:
        conn.close()
def find_user(user_id: int) -> dict | None:
    conn = get_connection()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name, email, age FROM users WHERE id = %s", (user_id,))
            row = cur.fetchone() # Returns None if no row matches
        if row is None:
            return None # Caller will raise HTTPException 404
        return {"id": row[0], "name": row[1], "email": row[2], "age": row[3]}
    finally:
        conn.close()
