package dev.xpsr.baseline;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing of ncnn .param text and of its key=value parameters. */
class NcnnParamFileTest {
    @Test
    void parsesLayerLinesBlobsAndParameters() {
        NcnnParamFile f = NcnnParamFile.parse("""
                7767517
                3 3
                Input            input.1   0 1 data
                Convolution      Conv_0    1 1 data a 0=64 1=3 4=1 5=1 6=1728 9=2 -23310=1,2.000000e-01
                Eltwise          Add_16    2 1 a data out 0=1 -23301=2,2.000000e-01,1.000000e+00
                """, "t.param");
        assertThat(f.layers()).hasSize(3);
        NcnnParamFile.Layer conv = f.layers().get(1);
        assertThat(conv.type()).isEqualTo("Convolution");
        assertThat(conv.bottoms()).containsExactly("data");
        assertThat(conv.tops()).containsExactly("a");
        assertThat(conv.line()).isEqualTo(4);
        assertThat(conv.params().getInt(0, 0)).isEqualTo(64);
        assertThat(conv.params().getInt(11, 99)).isEqualTo(99);
        assertThat(conv.params().getFloats(10)).containsExactly(0.2f);
        assertThat(f.layers().get(2).params().getFloats(1)).containsExactly(0.2f, 1f);
    }

    @Test
    void readsNewStyleArraysAndStrings() {
        NcnnParamDict p = NcnnParamDict.parse(List.of("3=0.5,1.5", "4=7", "5=hello", "6=\"a", "b\"", "1=2.5e1"),
                "test");
        assertThat(p.getFloats(3)).containsExactly(0.5f, 1.5f);
        assertThat(p.getInt(4, 0)).isEqualTo(7);
        assertThat(p.getFloat(1, 0f)).isEqualTo(25f);
        assertThat(p.ids()).containsExactly(1, 3, 4, 5, 6);
    }

    @Test
    void convertsFloatsWithNcnnsOwnAlgorithm() {
        // vstr_to_float: 0.1 is 1/10 in double, narrowed: the nearest float
        assertThat(NcnnParamDict.toFloat("1.000000e-01")).isEqualTo(0.1f);
        assertThat(NcnnParamDict.toFloat("-2.5")).isEqualTo(-2.5f);
        assertThat(NcnnParamDict.toFloat("3e2")).isEqualTo(300f);
        assertThat(NcnnParamDict.toFloat("1.5E-10")).isEqualTo((float) (1.5 / 1e10));
    }

    @Test
    void typeMismatchesAreErrors() {
        NcnnParamDict p = NcnnParamDict.parse(List.of("1=2", "2=2.0"), "Interp 'x' line 9");
        assertThatThrownBy(() -> p.getFloat(1, 1f)).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("line 9").hasMessageContaining("should be float");
        assertThatThrownBy(() -> p.getInt(2, 0)).isInstanceOf(NcnnFormatException.class);
        assertThatThrownBy(() -> p.requireOnly(java.util.Set.of(1))).isInstanceOf(NcnnFormatException.class)
                .hasMessageContaining("parameter id 2");
    }

    @Test
    void rejectsMalformedFiles() {
        assertThatThrownBy(() -> NcnnParamFile.parse("7767518\n1 1\nInput in 0 1 data\n", "x.param"))
                .isInstanceOf(NcnnFormatException.class).hasMessageContaining("7767517");
        assertThatThrownBy(() -> NcnnParamFile.parse("7767517\n2 1\nInput in 0 1 data\n", "x.param"))
                .isInstanceOf(NcnnFormatException.class).hasMessageContaining("2 layers");
        assertThatThrownBy(() -> NcnnParamFile.parse("7767517\n1 1\nSplit s 1 2 data\n", "x.param"))
                .isInstanceOf(NcnnFormatException.class).hasMessageContaining("line 3");
        assertThatThrownBy(() -> NcnnParamDict.parse(List.of("-23310=3,1.0,2.0"), "t"))
                .isInstanceOf(NcnnFormatException.class).hasMessageContaining("announces 3");
        assertThatThrownBy(() -> NcnnParamDict.parse(List.of("0=1", "0=2"), "t"))
                .isInstanceOf(NcnnFormatException.class).hasMessageContaining("twice");
    }
}
