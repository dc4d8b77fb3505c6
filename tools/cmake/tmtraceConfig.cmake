# tmtraceConfig.cmake — find_package(tmtrace CONFIG): imported targets and tmtrace_instrument().
#   tmtrace::tmtrace   the runtime, libtmtrace.so (shared: one copy per process), with <tmtrace/tmtrace.h>
#   tmtrace::pass      the clang-19 pass plugin, libtmtrace_pass.so (a module, loaded by clang, never linked)
#   tmtrace::gtest     the GoogleTest leak-check listener: link it into a test built with tmtrace_instrument()
#                      and every leaking test fails (defined when the listener is built and GoogleTest is found)
#   tmtrace_instrument(<target> [ALLOCATORS <file>])   see tmtraceInstrument.cmake
# Works from an install prefix and from a build tree: tmtraceLocations.cmake, written beside this file, says
# where the libraries and headers are relative to it.
include("${CMAKE_CURRENT_LIST_DIR}/tmtraceLocations.cmake")

foreach(_tmtrace_file IN ITEMS "${TMTRACE_LIBRARY_DIR}/libtmtrace.so" "${TMTRACE_LIBRARY_DIR}/libtmtrace_pass.so"
                               "${TMTRACE_INCLUDE_DIR}/tmtrace/tmtrace.h")
  if(NOT EXISTS "${_tmtrace_file}")
    set(tmtrace_FOUND FALSE)
    set(tmtrace_NOT_FOUND_MESSAGE "tmtrace: ${_tmtrace_file} is missing (is tmtrace built or installed?)")
    return()
  endif()
endforeach()

if(NOT TARGET tmtrace::tmtrace)
  if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/tmtraceTargets.cmake")
    include("${CMAKE_CURRENT_LIST_DIR}/tmtraceTargets.cmake") # install tree: runtime/'s export set
  else()
    add_library(tmtrace::tmtrace SHARED IMPORTED)
    set_target_properties(tmtrace::tmtrace PROPERTIES
      IMPORTED_LOCATION "${TMTRACE_LIBRARY_DIR}/libtmtrace.so"
      INTERFACE_INCLUDE_DIRECTORIES "${TMTRACE_INCLUDE_DIR}")
  endif()
endif()
if(NOT TARGET tmtrace::pass)
  add_library(tmtrace::pass MODULE IMPORTED)
  set_target_properties(tmtrace::pass PROPERTIES IMPORTED_LOCATION "${TMTRACE_LIBRARY_DIR}/libtmtrace_pass.so")
endif()

if(NOT TARGET tmtrace::gtest AND EXISTS "${TMTRACE_LIBRARY_DIR}/libtmtrace_gtest_listener.a")
  find_package(GTest QUIET)
  if(TARGET GTest::gtest)
    add_library(tmtrace::gtest_listener STATIC IMPORTED)
    set_target_properties(tmtrace::gtest_listener PROPERTIES
      IMPORTED_LOCATION "${TMTRACE_LIBRARY_DIR}/libtmtrace_gtest_listener.a"
      INTERFACE_INCLUDE_DIRECTORIES "${TMTRACE_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "GTest::gtest;tmtrace::tmtrace")
    # The listener installs itself from a static constructor: --undefined pulls its archive member in.
    add_library(tmtrace::gtest INTERFACE IMPORTED)
    set_target_properties(tmtrace::gtest PROPERTIES
      INTERFACE_LINK_LIBRARIES tmtrace::gtest_listener
      INTERFACE_LINK_OPTIONS "LINKER:--undefined=tmtrace_gtest_auto_install")
  endif()
endif()

include("${CMAKE_CURRENT_LIST_DIR}/tmtraceInstrument.cmake")
