// SPDX-License-Identifier: Apache-2.0
package org.fcnn.examples;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.fcnn.train.EpochResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The training chart: loss and accuracy (training and validation) per epoch, side by side, as a PNG. */
final class Charts {
    static final int WIDTH = 640;
    static final int HEIGHT = 440;

    private Charts() {
    }

    /**
     * Writes the chart of {@code history} to {@code file} (PNG, whatever the extension); headless, so it runs
     * on servers without a display. The accuracy panel is left out for regression.
     */
    static void writeTrainingChart(List<EpochResult> history, String title, Path file) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        double[] epochs = new double[history.size()];
        for (int i = 0; i < epochs.length; i++) {
            epochs[i] = history.get(i).epoch();
        }
        boolean validation = !history.isEmpty() && history.get(0).hasValidation();
        boolean classification = !history.isEmpty() && !Double.isNaN(history.get(0).trainAccuracy());
        List<XYChart> charts = new ArrayList<>();
        XYChart loss = chart(title.isEmpty() ? "Loss" : title + ": loss", "loss");
        series(loss, "training", epochs, history, EpochResult::trainLoss, 1);
        if (validation) {
            series(loss, "validation", epochs, history, EpochResult::validationLoss, 1);
        }
        charts.add(loss);
        if (classification) {
            XYChart acc = chart(title.isEmpty() ? "Accuracy" : title + ": accuracy", "accuracy (%)");
            series(acc, "training", epochs, history, EpochResult::trainAccuracy, 100);
            if (validation) {
                series(acc, "validation", epochs, history, EpochResult::validationAccuracy, 100);
            }
            charts.add(acc);
        }
        BufferedImage image = new BufferedImage(WIDTH * charts.size(), HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            for (int i = 0; i < charts.size(); i++) {
                g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), i * WIDTH, 0, null);
            }
        } finally {
            g.dispose();
        }
        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this Java runtime");
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        Styler s = c.getStyler();
        s.setLegendPosition(yTitle.startsWith("accuracy") ? Styler.LegendPosition.InsideSE : Styler.LegendPosition.InsideNE);
        s.setChartBackgroundColor(Color.WHITE);
        c.getStyler().setDecimalPattern("#.###");
        c.getStyler().setXAxisDecimalPattern("#");
        return c;
    }

    private static void series(XYChart chart, String name, double[] x, List<EpochResult> history,
                               java.util.function.ToDoubleFunction<EpochResult> value, double scale) {
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = value.applyAsDouble(history.get(i)) * scale;
        }
        chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }
}
