# Checks an isolated SASRec trainer variant object (see the top-level CMakeLists.txt):
#   cmake -DOBJ=... -DNM=... -DREADELF=... -DKEEP=<symbol prefix> -P check_isolated.cmake
# Fails the build when the object defines a global symbol other than the entry points
# (it could stand in for, or be replaced by, the baseline copy at link time), keeps a
# section group (COMDAT groups are merged by name even when their symbols are local), or
# has static initialisers (they would run at start on every CPU).
execute_process(COMMAND ${NM} -g --defined-only ${OBJ} OUTPUT_VARIABLE globals
                COMMAND_ERROR_IS_FATAL ANY)
string(REPLACE "\n" ";" globals "${globals}")
set(entries 0)
foreach(line IN LISTS globals)
  if(line STREQUAL "")
    continue()
  endif()
  string(REGEX REPLACE "^.* " "" symbol "${line}")
  string(FIND "${symbol}" "${KEEP}" at)
  if(NOT at EQUAL 0)
    message(FATAL_ERROR "${OBJ}: global symbol outside the entry points: ${line}")
  endif()
  math(EXPR entries "${entries} + 1")
endforeach()
if(entries EQUAL 0)
  message(FATAL_ERROR "${OBJ}: no entry point ${KEEP}*")
endif()
execute_process(COMMAND ${READELF} -S -W ${OBJ} OUTPUT_VARIABLE sections
                COMMAND_ERROR_IS_FATAL ANY)
if(sections MATCHES " GROUP ")
  message(FATAL_ERROR "${OBJ}: has section groups (COMDAT)")
endif()
if(sections MATCHES "\\.(init_array|preinit_array|ctors)")
  message(FATAL_ERROR "${OBJ}: has static initialisers")
endif()
