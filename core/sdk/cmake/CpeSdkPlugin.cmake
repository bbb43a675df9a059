# cpe_sdk_add_plugin(<target> <source>...): a cpe-host plugin, built the one
# safe way: a module named lib<target>.so linking only Cpe::sdk, exporting
# nothing but cpe_plugin_descriptor() (hidden visibility), and refusing
# missing symbols at link time (--no-undefined) and at load time (-z now)
# rather than at the first call. Shared by the in-tree plugins and, through
# find_package(CpeSdk), by plugins built elsewhere.
function(cpe_sdk_add_plugin target)
  add_library(${target} MODULE ${ARGN})
  target_link_libraries(${target} PRIVATE Cpe::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,-z,now)
endfunction()
