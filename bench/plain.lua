-- GET of a fixed path (the URL given to wrk): GET / and GET /users.
dofile("bench/report.lua")
