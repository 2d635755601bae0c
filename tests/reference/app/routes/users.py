from fastapi import APIRouter, HTTPException
from app.schemas.user import UserCreate, UserResponse
from app.services import user_service
# All routes in this file share the /users prefix and "users" tag in /docs
router = APIRouter(prefix="/users", tags=["users"])
# POST /users — create a new user; returns 201 on success
@router.post("/", response_model=UserResponse, status_code=201)
def create_user(user: UserCreate):
    return user_service.create_user(user)
# GET /users — return all users as a list
@router.get("/", response_model=list[UserResponse])
def get_users():
    return user_service.get_users()
# GET /users/{user_id} — return one user by id
@router.get("/{user_id}", response_model=UserResponse)
def get_user(user_id: int):
    user = user_service.find_user(user_id)
    if user is None:
        # HTTPException tells FastAPI to return a JSON error response
        raise HTTPException(status_code=404, detail="User not found")
    return user
