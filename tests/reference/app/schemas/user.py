from pydantic import BaseModel # Base class for all data validation schemas
# Schema for incoming requests — what the client must send to create a user
class UserCreate(BaseModel):
    name: str # Required; any string
    email: str # Required; ideally unique in the database
    age: int # Required; must be an integer
# No Config class needed here — UserCreate is not read from database rows
# Schema for outgoing responses — what the API returns to the client
class UserResponse(BaseModel):
    id: int # Assigned by the database when the row is inserted
    name: str
    email: str
    age: int
    class Config:
        from_attributes = True # Required for response models that map from DB row objects
