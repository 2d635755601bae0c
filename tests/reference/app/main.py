from fastapi import FastAPI # The main FastAPI class
from fastapi.middleware.cors import CORSMiddleware # Allows cross-origin requests
from app.routes import users # Import the users router
app = FastAPI(title="User API") # Title appears in /docs
# CORS middleware lets external clients (browsers, test scripts) call the API
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"], # Allow any origin in development
    allow_methods=["*"],
    allow_headers=["*"],
)
app.include_router(users.router) # Register all /users routes
# Health check — a quick way to confirm the server is up and responding
@app.get("/")
def health_check():
    return {"status": "ok"}
