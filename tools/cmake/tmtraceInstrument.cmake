# tmtraceInstrument.cmake — tmtrace_instrument(<target> [ALLOCATORS <file>]): compile <target>'s C and C++ with
# the tmtrace pass plugin and link it with the runtime. Shared by the installed package (tmtraceConfig.cmake)
# and by this project's own build (examples, tests); both define tmtrace::pass and tmtrace::tmtrace first.
#
# Debug info: the pass needs line tables. A configuration whose flags already have a -g level keeps it; any
# other gets -gline-directives-only (file, line, column and inline chains, nothing else), which a -g level in
# the target's own compile options overrides.

# Whether the C and C++ flags of configuration `config` ("" for none) choose a -g level. The options are the
# wrapper's (tools/clang/tmtrace_clang.c, is_debug_choice): -gz, -gsplit-dwarf, -gno-column-info... choose none.
function(_tmtrace_flags_have_debug config out)
  string(TOUPPER "${config}" upper)
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  set(level "-g[0-3]?|-ggdb[^ ]*|-gline-tables-only|-gline-directives-only|-gdwarf[^ ]*|-gfull|-gmlt|-gcodeview[^ ]*")
  string(APPEND level "|-glldb|-gsce|-gdbx")
  set(result TRUE)
  foreach(lang IN ITEMS C CXX)
    if(lang IN_LIST languages AND NOT " ${CMAKE_${lang}_FLAGS} ${CMAKE_${lang}_FLAGS_${upper}} " MATCHES " (${level}) ")
      set(result FALSE)
    endif()
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# In this project's own build, objects the plugin compiled are stale once the plugin changes (its ABI version
# may have moved): a file-level dependency of each source on the plugin, which add_dependencies does not give.
# (OBJECT_DEPENDS takes no generator expression: the plugin's path is spelled from its target's properties.)
function(_tmtrace_objects_depend_on_plugin target pass_target)
  get_target_property(dir ${pass_target} LIBRARY_OUTPUT_DIRECTORY)
  get_target_property(prefix ${pass_target} PREFIX)
  get_target_property(name ${pass_target} OUTPUT_NAME)
  get_target_property(sources ${target} SOURCES)
  set_property(SOURCE ${sources} TARGET_DIRECTORY ${target} APPEND PROPERTY OBJECT_DEPENDS
               "${dir}/${prefix}${name}${CMAKE_SHARED_MODULE_SUFFIX}")
endfunction()

function(tmtrace_instrument target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "ALLOCATORS" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tmtrace_instrument(${target}): unexpected arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "tmtrace_instrument(${target}): no such target")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  foreach(lang IN ITEMS C CXX)
    if(lang IN_LIST languages)
      string(REGEX MATCH "^[0-9]+" major "${CMAKE_${lang}_COMPILER_VERSION}")
      if(NOT CMAKE_${lang}_COMPILER_ID STREQUAL "Clang" OR NOT major STREQUAL "19")
        message(FATAL_ERROR "tmtrace_instrument(${target}): the ${lang} compiler is ${CMAKE_${lang}_COMPILER_ID} "
                            "${CMAKE_${lang}_COMPILER_VERSION}; the tmtrace pass plugin needs clang 19 "
                            "(e.g. -DCMAKE_${lang}_COMPILER=clang-19)")
      endif()
    endif()
  endforeach()

  get_target_property(pass_target tmtrace::pass ALIASED_TARGET)
  if(pass_target) # built in this project: the plugin must exist before the target compiles
    set(plugin "$<TARGET_FILE:${pass_target}>")
    add_dependencies(${target} ${pass_target})
    _tmtrace_objects_depend_on_plugin(${target} ${pass_target})
  else()
    get_target_property(plugin tmtrace::pass IMPORTED_LOCATION)
  endif()

  set(compile_options "-fpass-plugin=${plugin}")
  if(arg_ALLOCATORS)
    get_filename_component(allocators "${arg_ALLOCATORS}" ABSOLUTE)
    # -fplugin loads the plugin before -mllvm options are parsed, so that -tmtrace-allocators exists; the
    # joined -mllvm= form survives CMake's de-duplication of options.
    list(APPEND compile_options "-fplugin=${plugin}" "-mllvm=-tmtrace-allocators=${allocators}")
  endif()

  # -gline-directives-only goes BEFORE the target's own options, so that a -g level the target (or its
  # directory) chooses comes later on the command line and wins.
  set(debug_option "")
  if(CMAKE_CONFIGURATION_TYPES)
    set(configs_without_debug "")
    foreach(config IN LISTS CMAKE_CONFIGURATION_TYPES)
      _tmtrace_flags_have_debug("${config}" has_debug)
      if(NOT has_debug)
        list(APPEND configs_without_debug "${config}")
      endif()
    endforeach()
    if(configs_without_debug)
      string(REPLACE ";" "," configs_without_debug "${configs_without_debug}")
      set(debug_option "$<$<CONFIG:${configs_without_debug}>:-gline-directives-only>")
    endif()
  else()
    _tmtrace_flags_have_debug("${CMAKE_BUILD_TYPE}" has_debug)
    if(NOT has_debug)
      set(debug_option "-gline-directives-only")
    endif()
  endif()

  foreach(option IN LISTS compile_options)
    target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:C,CXX>:${option}>")
  endforeach()
  if(debug_option)
    target_compile_options(${target} BEFORE PRIVATE "$<$<COMPILE_LANGUAGE:C,CXX>:${debug_option}>")
  endif()
  # The runtime must be a shared library (a static copy per DSO would split the counters).
  target_link_libraries(${target} PRIVATE tmtrace::tmtrace)
endfunction()
