# embed.cmake - turn a text file into a C array: cmake -DIN=f -DOUT=out.c -DNAME=n -P embed.cmake
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
file(WRITE ${OUT} "/* generated from ${IN} by cmake/embed.cmake */\nconst char steplm_lua_${NAME}[] = {${body}0};\n")
